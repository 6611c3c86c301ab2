"""Accounts: the PD roles as Wagtail groups, and sign-in lockouts a hub lead lifts."""
