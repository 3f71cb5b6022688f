"""The message catalogs: complete, and one translation per message across every catalog of a language."""

from django.conf import settings

from learnerportal.catalogs import catalog_disagreements, catalog_gaps, catalog_paths

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def test_a_message_two_catalogs_translate_differently_is_found(tmp_path):
    """Django merges a language's catalogs into one: one of the two would silently win everywhere."""
    course, request = tmp_path / "course.po", tmp_path / "request.po"
    course.write_text(HEADER + 'msgid "Completed"\nmsgstr "Completado"\n\nmsgid "Save"\nmsgstr "Guardar"\n')
    request.write_text(
        HEADER + 'msgid "Completed"\nmsgstr "Completada"\n\nmsgctxt "request"\nmsgid "Save"\nmsgstr "Guarda"\n'
    )

    assert catalog_disagreements([course, request]) == {(None, "Completed"): {"Completado", "Completada"}}


def test_the_spanish_catalogs_are_complete_and_agree():
    spanish = [path for path in catalog_paths(settings.BASE_DIR) if path.parent.parent.name == "es"]

    assert len(spanish) >= 5, "the project's and each app's catalog"
    assert [(path, catalog_gaps(path)) for path in spanish if catalog_gaps(path)] == []
    assert catalog_disagreements(spanish) == {}
