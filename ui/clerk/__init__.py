"""The clerk station (issue 12): a journey of its own beside the citizen's, on the same shell.

`ui.clerk.journey.ClerkJourney` registers the staff screens (sign-in, queue home, application
view here; the action screens from `ui.clerk.actions`) and holds the signed-in `StaffSession`
and the `kiosk.clerk.ClerkDesk` the screens ask, always off the GUI thread.
"""
