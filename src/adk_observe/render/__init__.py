"""The only code that serialises: YAML, JSON and Markdown in stable order, with the
generated-by header."""

from adk_observe.render.markdown import dump_markdown
from adk_observe.render.text import dump_json, dump_yaml, dump_yaml_documents, header
from adk_observe.render.write import file_target, write_file, write_files

__all__ = [
    "dump_json",
    "dump_markdown",
    "dump_yaml",
    "dump_yaml_documents",
    "file_target",
    "header",
    "write_file",
    "write_files",
]
