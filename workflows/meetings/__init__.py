"""Work Group meetings, support visits and the attendance register."""
