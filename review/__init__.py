"""Reviewing attempts after the exam (issue 16 §1, issue 15 §4): a queue per exam ranked by
review priority, claims that two reviewers can never share, decisions per alert and per attempt,
and the precision of each alert rule measured from the proctors' decisions."""
