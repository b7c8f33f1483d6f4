events_pitr = false
