"""The citizen's screens, one module each; `base.Screen` is the shared frame."""
