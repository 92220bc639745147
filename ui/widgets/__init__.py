"""Small reusable kiosk widgets: big buttons, step header, error label, badges, toggles."""
