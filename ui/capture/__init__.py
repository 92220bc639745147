"""Camera, photo, papers and QR widgets; every cv2 call stays in kiosk.capture (ARCHITECTURE.md)."""
