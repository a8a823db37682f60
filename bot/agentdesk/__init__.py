"""The agent desk: people who take over web conversations the assistant hands over."""
