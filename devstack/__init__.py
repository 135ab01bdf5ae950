"""The local stack: the wiring of template.yaml, run on one machine.

Used by `make run` (see `devstack.__main__`) and by the integration tests, so
both exercise exactly the same emulators, queues, rules and schedules.
"""
