"""The English and nynorsk catalogues are complete, compiled, and actually used.

The Norwegian Bokmål strings in the code are the msgids; English comes from
locale/en/LC_MESSAGES/django.po and nynorsk from locale/nn/LC_MESSAGES/django.po, each compiled to
django.mo (all committed, because a fresh machine may not have gettext). These tests read the .po with a small parser of their own, so
they need nothing beyond the standard library.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "src/oppfolging/locale"
CATALOGUES = ["en", "nn"]

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        return f"django.po:{self.line}: {self.msgid[:60]!r}"


def _unquote(text: str) -> str:
    # A .po string is a C string literal; these escapes are a subset of Python's.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Every active (non-obsolete) entry in the catalogue, the header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field a continuation line extends
    flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        if line.startswith("#,"):
            finish()
            flags = {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"stray string on line {number}"
            name, index = target
            if name == "msgstr":
                assert index is not None
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        keyword, _, value = line.partition(" ")
        starts_entry = keyword == "msgctxt" or (
            keyword == "msgid" and (current is None or current.msgctxt is None or current.msgstr)
        )
        if starts_entry:
            finish()
            current = Entry(flags=flags, line=number)
            flags = set()
        assert current is not None, f"unexpected {keyword!r} on line {number}"
        if keyword in {"msgctxt", "msgid", "msgid_plural"}:
            setattr(current, keyword, _unquote(value))
            target = (keyword, None)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(value)
            target = ("msgstr", 0)
        elif match := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(match.group(1))
            current.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"cannot parse line {number}: {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module", params=CATALOGUES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def entries(language: str) -> list[Entry]:
    parsed = parse_po(LOCALE / language / "LC_MESSAGES/django.po")
    assert parsed and parsed[0].msgid == "", "the catalogue should start with its header"
    return parsed


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid]


@pytest.fixture(scope="module")
def compiled(language: str) -> gettext.GNUTranslations:
    with (LOCALE / language / "LC_MESSAGES/django.mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_the_catalogue_names_its_language_and_has_two_plural_forms(
    entries: list[Entry], language: str
) -> None:
    header = entries[0]
    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_message_is_translated_and_none_is_fuzzy(messages: list[Entry]) -> None:
    assert len(messages) > 100, "the parser found suspiciously few messages"
    fuzzy = [entry.label for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries:\n" + "\n".join(fuzzy)
    untranslated = []
    for entry in messages:
        expected_forms = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected_forms or not all(
            text.strip() for text in entry.msgstr.values()
        ):
            untranslated.append(entry.label)
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)


def test_translations_keep_placeholders_markup_and_newlines(messages: list[Entry]) -> None:
    broken = []
    for entry in messages:
        sources = [entry.msgid, entry.msgid_plural or entry.msgid]
        for index, text in entry.msgstr.items():
            source = sources[min(index, 1)]
            if entry.msgid_plural is None:
                same_placeholders = sorted(PLACEHOLDER.findall(text)) == sorted(
                    PLACEHOLDER.findall(source))
            else:  # a singular form may spell the number out instead of using it
                allowed = set(PLACEHOLDER.findall(entry.msgid)) | set(
                    PLACEHOLDER.findall(entry.msgid_plural))
                same_placeholders = set(PLACEHOLDER.findall(text)) <= allowed
            same_markup = sorted(re.findall(r"<[^>]+>", text)) == sorted(
                re.findall(r"<[^>]+>", source))
            same_ends = (text.endswith("\n"), text.startswith("\n")) == (
                source.endswith("\n"), source.startswith("\n"))
            if not (same_placeholders and same_markup and same_ends):
                broken.append(f"{entry.label} -> {text[:60]!r}")
    assert not broken, "translations that changed placeholders or markup:\n" + "\n".join(broken)


def test_the_compiled_catalogue_matches_the_po_file(
    messages: list[Entry], compiled: gettext.GNUTranslations
) -> None:
    """django.mo was compiled from this django.po: run compilemessages after editing it."""
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = compiled.gettext(entry.msgid)
            else:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(entry.label)
        else:
            forms = [
                compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt is None
                else compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1),
                compiled.ngettext(entry.msgid, entry.msgid_plural, 2)
                if entry.msgctxt is None
                else compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2),
            ]
            if forms != [entry.msgstr[0], entry.msgstr[1]]:
                stale.append(entry.label)
    assert not stale, (
        "django.mo is out of date; run `oppfolging compilemessages`:\n" + "\n".join(stale)
    )


def test_django_uses_the_english_catalogue() -> None:
    with translation.override("en"):
        assert translation.gettext("Logg ut") == "Log out"
        assert translation.ngettext(
            "%(n)s person i personregisteret.", "%(n)s personer i personregisteret.", 2
        ) % {"n": 2} == "2 people in the person register."
    with translation.override("nb"):
        assert translation.gettext("Logg ut") == "Logg ut"


def test_django_uses_the_nynorsk_catalogue() -> None:
    with translation.override("nn"):
        assert translation.gettext("Ingen kartlegginger ennå.") == "Ingen kartleggingar enno."
        assert translation.ngettext("%(n)s tjeneste", "%(n)s tjenester", 2) % {"n": 2} == "2 tenester"
        assert translation.ngettext("%(n)s tjeneste", "%(n)s tjenester", 1) % {"n": 1} == "1 teneste"


def test_the_start_page_is_in_english_when_english_is_chosen(cast) -> None:
    client = cast.client_for(cast.cu)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # the header's switch
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Log out" in page
    assert "Logg ut" not in page


def test_the_start_page_stays_in_norwegian_by_default(cast) -> None:
    response = cast.client_for(cast.cu).get("/", HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="nb"' in page
    assert "Logg ut" in page


def test_it_answers_in_bokmal_even_to_an_english_browser(cast):
    response = cast.client_for(cast.cu).get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="nb"' in response.content.decode()


def _project_forms() -> list[type]:
    import importlib
    import inspect
    import pkgutil

    from django import forms

    import oppfolging

    found = []
    for module_info in pkgutil.walk_packages(oppfolging.__path__, "oppfolging."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        found += [cls for cls in vars(module).values() if inspect.isclass(cls)
                  and issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__]
    return found


def test_no_form_field_is_labelled_by_its_code() -> None:
    """A model field without a Norwegian verbose_name shows its code ("Kind:") as the label."""
    from django import forms
    from django.forms.utils import pretty_name

    named_by_code = []
    for form in _project_forms():
        for name, form_field in form.base_fields.items():
            if isinstance(form_field.widget, forms.HiddenInput) or name in {"username", "status"}:
                continue  # the sign-in form names username itself; "Status" is Norwegian too
            if form_field.label is None or str(form_field.label) == pretty_name(name):
                named_by_code.append(f"{form.__module__}.{form.__name__}.{name}")
    assert len(_project_forms()) > 20
    assert not named_by_code, "fields labelled by their code:\n" + "\n".join(named_by_code)


@pytest.mark.parametrize(("language", "label"), [("nb", "– Velg –"), ("nn", "– Vel –"), ("en", "– Choose –")])
def test_the_empty_choice_of_a_select_is_in_the_page_language(language: str, label: str) -> None:
    from django import forms

    from oppfolging.people.models import Person

    class GenderForm(forms.ModelForm):
        class Meta:
            model = Person
            fields = ["gender"]

    with translation.override(language):
        html = str(GenderForm()["gender"])
    assert f'<option value="" selected>{label}</option>' in html
    assert "Select an option" not in html
