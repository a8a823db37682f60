"""Mail: the sender the actions use and the development SMTP sink."""
