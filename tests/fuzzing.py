"""What the Hypothesis tests share: one settings profile and the nastiest text.

The profile keeps the suite's time small and steady: a moderate number of
examples, no deadline (a shared CI machine is noisy), no example database on
disk (the suite's checkout stays clean; a failure prints the example to
reproduce it), and the health check about function-scoped fixtures silenced
because each example runs in its own savepoint that is rolled back
(:func:`rolled_back`), so the ``db`` fixture's state never leaks between them.
``pytest --hypothesis-show-statistics`` prints how many inputs each test tried.
"""

from contextlib import contextmanager

from django.db import transaction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=75,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def rolled_back():
    """Run one example in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


#: Any character a browser or a file could carry, except lone surrogates (which no
#: encoder will write, so no request or file can hold them).
any_character = st.characters(exclude_categories=("Cs",))
control_characters = st.characters(
    codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp"), include_characters="\x00"
)


PLAIN = st.sampled_from("abcXYZ 0123456789")


def huge(alphabet=PLAIN) -> st.SearchStrategy[str]:
    """A field of 1,000 to 200,000 characters (csv's own field limit is 131,072)."""
    return st.builds(lambda char, n: char * n, alphabet, st.integers(1_000, 200_000))


#: Text as an attacker or a mangled file sends it: any unicode, control characters
#: and NULs, mojibake (UTF-8 read as Windows-1252), right-to-left and combining marks,
#: and huge values.
nasty_text = st.one_of(
    st.text(any_character, max_size=60),
    st.text(st.one_of(any_character, control_characters), max_size=60),
    st.text(any_character, max_size=30).map(
        lambda s: s.encode("utf-8").decode("cp1252", errors="replace")
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "Robert'); DROP TABLE workflows_school;--",
            "<script>alert(1)</script>",
            "{{ 7*7 }}{% debug %}",
            "\u202eloohcs yramirP",
            "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o",
            "\ufeff990301",
            "990301\x00",
            '"',
            'St Mary"s',
            "\u00b2\u00b3",  # digits to str.isdigit(), not to int()
            "\u0669\u0669\u0660\u0663\u0660\u0661",  # 990301 in Arabic-Indic digits
            "99999999999999999999",
            "0" * 5000,
            "%00%ff%fe",
            "../../../etc/passwd",
            "\U0001f9ee\U0001f4d0",
        ]
    ),
    huge(),
)
