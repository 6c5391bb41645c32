"""A local stand-in for SAE's ExecJob API and its gateway, for demos and tests.

``sae_job.emulator.auth`` authenticates POP-signed requests as the gateway does.
"""
