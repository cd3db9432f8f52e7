"""nbgrader configuration: chapters/<id>/<id>.ipynb are the source assignments."""

from autograder.conventions import CODE_STUB, COURSE_ID
from autograder.course_dir import NBGRADER_DIRECTORIES
from autograder.publishing.points import generate_assignment_pipeline

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = COURSE_ID
for name, value in NBGRADER_DIRECTORIES.items():  # the course directory's layout (autograder/course_dir.py)
    setattr(c.CourseDirectory, name, value)
# Only the notebook goes to students: never the shared preamble source or anything else in chapters/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py"]
c.ClearSolutions.code_stub = CODE_STUB
# Graded cells get their points from the exercise registry (the source notebooks declare none).
c.GenerateAssignment.preprocessors = generate_assignment_pipeline()
# Student code can be slow (loops over pixels) but never minutes slow.
c.ExecutePreprocessor.timeout = 300
