"""How gates word what they measured."""

from shipyard.gates._model import count


def test_count_agrees_with_its_number():
    assert count(1, "dependency", "dependencies") == "1 dependency"
    assert count(0, "dependency", "dependencies") == "0 dependencies"
    assert count(2, "module") == "2 modules"
    assert count(1, "vulnerability", "vulnerabilities") == "1 vulnerability"
