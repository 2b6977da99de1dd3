"""Login security: throttling and lockout (``lockout.py``), the backend and forms that apply
it to every login (``backends.py``, ``forms.py``), and TOTP two-factor (``totp.py``)."""
