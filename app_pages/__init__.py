"""The app's pages (thin) and their helpers: _state (caches), _charts (pure Altair), _i18n, _logic."""
