import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/**
 * A page that fails while drawing says so in words (never a blank page); the others still work.
 * `resetKey` (the location) clears the error when the user goes elsewhere.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("page failed", error, info.componentStack);
  }

  componentDidUpdate(previous: { resetKey: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.error) {
      this.setState({ error: null });
    }
  }

  render() {
    if (this.state.error) {
      return (
        <div role="alert" className="error">
          <h1>This page failed</h1>
          <p>{this.state.error.message}</p>
          <p>
            <a href={window.location.pathname}>Load it again</a>
          </p>
        </div>
      );
    }
    return this.props.children;
  }
}
