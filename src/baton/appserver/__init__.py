"""The application server (see ARCHITECTURE.md); its sample program library ships here."""
