"""The application: reading the configuration, wiring the services and the bot, and the command
line that runs it all (``python -m bot``). The only package that knows every other one."""
