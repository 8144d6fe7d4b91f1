"""Pages of technical support, one module per feature: the staff's chat queue
(``conversations``), the attempt inspector and repairs (``attempts``), make-up requests
(``makeups``), passcode delivery (``passcodes``) and device checks (``device_checks``); the
candidate's make-up request and device check live with their feature.

Every object is fetched through a scoped queryset, so another site's object is a 404."""
