"""Screens of the administration (R-CERT): ``setup`` (organisations, institutions, certificates,
majors, quotas), ``plans`` (plans, registration, scheduling, documents, scores, signing) and
``public`` (score and certificate query, verification page, certificate download)."""
