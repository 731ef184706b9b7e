"""The app's pages (thin) and their UI helpers: _state (caches), _charts (pure Altair), _i18n."""
