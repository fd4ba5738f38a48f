"""How staff passwords are stored: Argon2id at OWASP's first recommended
setting (19 MiB of memory, 2 passes, 1 lane).

Measured on the 2-core development machine (December 2026), one hash:
Django's PBKDF2 (1,000,000 iterations) 206 ms, its scrypt 142 ms, its
Argon2 defaults (100 MiB, 8 lanes) 104 ms, this 18 ms. At 09:00, 50 teachers
signing in cost 0.9 s of CPU instead of 10 s on PBKDF2, and each guess costs
an attacker 19 MiB of memory, which is what makes GPU cracking dear (PBKDF2's
cost is time only). Passwords stay 12 characters or more (the validators in
attendance/sign_in.py) and sign-in stays locked after 5 wrong ones.

Passwords stored by an earlier release (PBKDF2) still work, and are stored
again this way at their next sign-in (Django rehashes with the first hasher
in PASSWORD_HASHERS).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class StaffPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
