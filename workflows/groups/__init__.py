"""Work Groups, their enrolments and participants, and the messages a group's lead sends."""
