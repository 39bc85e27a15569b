"""Who may do what: accounts, passwords, API tokens, browser sessions, login limits.

roles.py      the four roles and what each may do (checked server-side everywhere)
passwords.py  argon2id hashing, random passwords
accounts.py   users: add, authenticate (with lockout), change password, first admin
tokens.py     API tokens: random, stored as SHA-256, scoped to a role, revocable
sessions.py   signed HttpOnly session cookies and their CSRF token
ratelimit.py  failed-login throttling per client address, and the fail2ban log line
principal.py  who sent an HTTP request (token or session + CSRF): the API and the UI
access.py     reads of captured data, audited (the access log)
"""
