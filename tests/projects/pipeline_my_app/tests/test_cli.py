"""The `my-app` command says which version runs."""

from my_app.__main__ import cli


def test_cli_says_which_version_runs(capsys):
    """The command prints the version it runs."""
    cli()
    assert capsys.readouterr().out == "my_app 1.0.0 is running\n"
