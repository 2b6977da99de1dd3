from dangol.accounts.models import User


def test_korean_names_put_the_family_name_first_without_a_space():
    assert User(first_name="지은", last_name="이").get_full_name() == "이지은"


def test_western_names_put_the_given_name_first():
    assert User(first_name="Jane", last_name="Smith").get_full_name() == "Jane Smith"


def test_str_falls_back_to_the_username():
    assert str(User(username="kim")) == "kim"
