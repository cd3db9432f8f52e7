"""nbgrader configuration: chapters/<id>/<id>.ipynb are the source assignments."""

from autograder.conventions import CODE_STUB, COURSE_ID

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.source_directory = "chapters"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Only the notebook goes to students: never the shared preamble source or anything else in chapters/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py"]
c.ClearSolutions.code_stub = CODE_STUB
# Student code can be slow (loops over pixels) but never minutes slow.
c.ExecutePreprocessor.timeout = 300
