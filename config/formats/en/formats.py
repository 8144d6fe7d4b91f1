"""English dates and times as the platform shows them (``FORMAT_MODULE_PATH``).

Django's English default writes times with "a.m."/"p.m.", which ends in a full stop: a sentence
that ends with a time then reads "12:05 p.m..". Exams and windows are read against a 24-hour
clock in China and on every ticket, so English uses it too; dates spell the month out, which
reads the same in every English-speaking country.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
