"""Jobs declared in `jobs/*.yaml` (seed 003, question 2): the files are the deployment."""
