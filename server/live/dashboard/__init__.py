"""The duty manager's live dashboard: rules, projection, snapshot and delta services, socket, page."""
