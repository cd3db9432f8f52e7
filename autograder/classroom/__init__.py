"""The classroom: grading a whole class (``batch``), recording grades in the nbgrader gradebook
(``gradebook``) and handing them out (``export``: CSV and HTML feedback). Built on the engine."""
