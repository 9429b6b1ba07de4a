"""The client self-service portal: a contact's company's hours, tickets and work, nothing else."""
