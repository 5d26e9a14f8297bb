"""Pure executor rules: job state machine, health gate, step application, rollback planning."""
