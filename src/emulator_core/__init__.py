"""What both emulators share: fault injection, the request log, rate-limit windows, webhook delivery,
the control routes and the server runner. Provider behaviour lives in each emulator's own package."""
