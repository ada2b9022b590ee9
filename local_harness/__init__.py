"""This repository's deployments on the local AWS (glacier_emulator), shared by the demos (scripts/) and the
tests: the CDK app synthesized in-process (synth_app.py), the synthesized templates deployed and run by the
emulator (org_harness.py), and the organization the organization mode's demo and tests clean
(org_scenario.py). Not shipped: neither package installs it."""
