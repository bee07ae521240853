"""Orchestration jobs: the model, the design server, the runtime (see ARCHITECTURE.md)."""
