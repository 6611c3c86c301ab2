"""Work Groups as a place people talk to: messages a group's lead sends to its schools (#15).

``messages`` says who a message reaches and sends it; ``forms`` and ``views`` are the
admin screens (the send form under the Work Group, a scoped viewset to read what
was sent); ``privacy`` is what retention and the subject-access export need.
"""
