"""The static scan finds what pytest collects: unittest classes, ``__test__``, inherited tests.

Each case is a real source string scanned as a file; the expected node ids are the ones
``pytest --collect-only`` lists for the same source (in pytest's order).
"""

from __future__ import annotations

import textwrap

import pytest

from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.testscan import scan_source
from tracker.evidence.values import StaticTest

DEFAULT = PytestConfig()
FILE = "tests/test_x.py"


def scan(source: str, config: PytestConfig = DEFAULT) -> dict[str, StaticTest]:
    """The tests of ``source``, by node id without the file name, in scan order."""
    scanned = scan_source(textwrap.dedent(source).lstrip("\n"), FILE, config)
    assert scanned.error is None, scanned.error
    return {t.nodeid.removeprefix(FILE + "::"): t for t in scanned.tests}


def ids(source: str, config: PytestConfig = DEFAULT) -> list[str]:
    return list(scan(source, config))


# --- unittest.TestCase ----------------------------------------------------------------------

@pytest.mark.parametrize("base", [
    "unittest.TestCase", "TestCase", "IsolatedAsyncioTestCase",
    "unittest.IsolatedAsyncioTestCase", "django.test.TestCase", "SimpleTestCase",
    "TransactionTestCase", "test.SimpleTestCase", "django.test.TransactionTestCase",
])
def test_a_testcase_is_collected_whatever_its_name(base: str):
    assert ids(f"""
        import unittest

        class ClientChecks({base}):
            def test_get(self):
                pass

            async def test_async_get(self):
                pass

            def helper(self):
                pass
        """) == ["ClientChecks::test_async_get", "ClientChecks::test_get"]


def test_a_testcase_follows_unittests_rules_not_the_projects():
    """``test*`` methods whatever ``python_functions`` says, in the order of their names;
    ``__init__`` does not stop collection; nested classes are not collected."""
    config = PytestConfig(python_classes=("Check",), python_functions=("check_",))
    assert ids("""
        from unittest import TestCase

        class Things(TestCase):
            def __init__(self, *args):
                super().__init__(*args)

            def test_b(self):
                pass

            def testA(self):
                pass

            def check_not_unittest(self):
                pass

            class TestNested:
                def test_never(self):
                    pass

        class CheckPlain:
            def check_yes(self):
                pass

            def test_no(self):
                pass
        """, config) == ["Things::testA", "Things::test_b", "CheckPlain::check_yes"]


def test_a_testcase_method_takes_no_fixtures_or_parameters_but_keeps_its_marks():
    tests = scan("""
        import pytest
        import unittest

        @pytest.mark.plan("item-1")
        @pytest.mark.usefixtures("db")
        class Things(unittest.TestCase):
            pytestmark = pytest.mark.slow

            @pytest.mark.parametrize("x", [1, 2])
            def test_it(self, x):
                pass
        """)
    test = tests["Things::test_it"]
    assert test.fixtures == {"db"}
    assert test.markers == {"plan", "usefixtures", "slow", "parametrize"}
    assert test.plan_items == ("item-1",)
    assert (test.cases, test.parametrized) == (1, False)
    assert test.classes == ("Things",)


def test_a_testcase_without_test_methods_runs_its_runtest():
    assert ids("""
        import unittest

        class Whole(unittest.TestCase):
            def runTest(self):
                pass

        class Both(unittest.TestCase):
            def runTest(self):
                pass

            def test_one(self):
                pass
        """) == ["Whole::runTest", "Both::test_one"]


def test_classes_deriving_from_a_testcase_of_the_file_are_testcases():
    assert ids("""
        import unittest

        class Base(unittest.TestCase):
            def test_base(self):
                pass

        class Derived(Base):
            def test_own(self):
                pass

        class Grandchild(Derived):
            pass
        """) == ["Base::test_base", "Derived::test_base", "Derived::test_own",
                 "Grandchild::test_base", "Grandchild::test_own"]


def test_a_testcase_inherits_a_mixins_tests():
    assert ids("""
        import unittest

        class Checks:
            def test_shared(self):
                pass

        class Things(Checks, unittest.TestCase):
            def test_own(self):
                pass
        """) == ["Things::test_own", "Things::test_shared"]


def test_a_testcase_nested_in_a_test_class_is_collected():
    assert ids("""
        import unittest

        class TestOuter:
            class Inner(unittest.TestCase):
                def test_u(self):
                    pass
        """) == ["TestOuter::Inner::test_u"]


def test_a_class_of_the_file_named_testcase_is_not_unittests():
    assert ids("""
        class TestCase:
            def test_a(self):
                pass

        class Derived(TestCase):
            def test_b(self):
                pass
        """) == ["TestCase::test_a"]


def test_a_base_imported_from_elsewhere_is_unknown():
    """It adds no tests and does not make a class a TestCase: the class's own name decides."""
    assert ids("""
        from helpers import BaseChecks

        class TestThing(BaseChecks):
            def test_own(self):
                pass

        class ThingChecks(BaseChecks):
            def test_hidden(self):
                pass
        """) == ["TestThing::test_own"]


# --- __test__ -------------------------------------------------------------------------------

def test_a_module_with_test_false_holds_no_tests():
    assert ids("""
        __test__ = False

        def test_a():
            pass

        class TestB:
            def test_b(self):
                pass
        """) == []


def test_a_module_with_test_true_is_collected_as_usual():
    assert ids("__test__ = True\n\ndef test_a():\n    pass\n\ndef helper():\n    pass\n") == [
        "test_a"]


def test_test_false_stops_a_class_and_test_true_collects_one():
    assert ids("""
        import unittest

        class TestOff:
            __test__ = False

            def test_never(self):
                pass

        class Forced:
            __test__ = True

            def test_forced(self):
                pass

        class Truthy:
            __test__ = 1  # pytest wants ``True`` itself to collect a class by it

            def test_never(self):
                pass

        class OffCase(unittest.TestCase):
            __test__ = False

            def test_never(self):
                pass
        """) == ["Forced::test_forced"]


def test_test_is_inherited_like_any_attribute():
    assert ids("""
        class Contract:
            __test__ = False

            def test_contract(self):
                pass

        class TestStillOff(Contract):
            pass

        class TestOn(Contract):
            __test__ = True

        class Implementation(Contract):
            __test__ = True
        """) == ["TestOn::test_contract", "Implementation::test_contract"]


# --- inherited tests ------------------------------------------------------------------------

def test_inherited_tests_belong_to_each_collected_class():
    tests = scan("""
        class TestBase:
            def test_x(self):
                pass

            def test_overridden(self):
                pass

        class TestChild(TestBase):
            def test_own(self):
                pass

            def test_overridden(self):
                pass
        """)
    # pytest's order: what a class inherits first, then what it defines (overrides included)
    assert list(tests) == ["TestBase::test_x", "TestBase::test_overridden",
                           "TestChild::test_x", "TestChild::test_own",
                           "TestChild::test_overridden"]
    assert tests["TestChild::test_x"].line == tests["TestBase::test_x"].line == 2
    assert tests["TestChild::test_overridden"].line == 12
    assert tests["TestChild::test_x"].classes == ("TestChild",)


def test_a_mixin_without_the_prefix_gives_its_tests_to_test_classes_only():
    assert ids("""
        class Checks:
            def test_shared(self, client):
                pass

            def helper(self):
                pass

        class TestA(Checks):
            pass

        class TestB(Checks):
            def test_b(self):
                pass
        """) == ["TestA::test_shared", "TestB::test_shared", "TestB::test_b"]


def test_a_subclass_can_hide_an_inherited_test():
    assert ids("""
        class TestBase:
            def test_x(self):
                pass

            def test_y(self):
                pass

        class TestChild(TestBase):
            test_x = None
        """) == ["TestBase::test_x", "TestBase::test_y", "TestChild::test_y"]


def test_a_base_classs_marks_fixtures_and_plan_items_are_inherited():
    tests = scan("""
        import pytest

        pytestmark = pytest.mark.network

        @pytest.mark.plan("contract")
        class Contract:
            pytestmark = [pytest.mark.slow]

            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_n(self, n, client):
                pass

        @pytest.mark.usefixtures("db")
        class TestImpl(Contract):
            pass
        """)
    assert list(tests) == ["TestImpl::test_n"]
    test = tests["TestImpl::test_n"]
    assert test.markers == {"network", "plan", "slow", "parametrize", "usefixtures"}
    assert test.fixtures == {"client", "db"}
    assert test.plan_items == ("contract",)
    assert (test.cases, test.parametrized) == (3, True)


def test_an_inherited_constructor_stops_collection():
    assert ids("""
        class TestInit:
            def __init__(self):
                pass

        class TestChild(TestInit):
            def test_x(self):
                pass

        class TestNew:
            def __new__(cls):
                return super().__new__(cls)

            def test_y(self):
                pass
        """) == []


def test_multiple_inheritance_follows_pythons_method_order():
    """C3: in ``TestD(B, C)`` with ``B(A)`` and ``C(A)``, ``C`` comes before ``A``."""
    tests = scan("""
        class A:
            def test_x(self):
                pass

        class B(A):
            pass

        class C(A):
            def test_x(self):
                pass

        class TestD(B, C):
            pass
        """)
    assert list(tests) == ["TestD::test_x"]
    assert tests["TestD::test_x"].line == 9


def test_nested_classes_are_inherited_too():
    assert ids("""
        class TestOuter:
            class TestInner:
                def test_in(self):
                    pass

        class TestOuterChild(TestOuter):
            def test_own(self):
                pass
        """) == ["TestOuter::TestInner::test_in", "TestOuterChild::TestInner::test_in",
                 "TestOuterChild::test_own"]


def test_bases_are_the_classes_defined_before_by_that_name():
    assert ids("""
        class Base:
            def test_first(self):
                pass

        class TestEarly(Base):
            pass

        class Base:
            def test_second(self):
                pass

        class TestLate(Base):
            pass
        """) == ["TestEarly::test_first", "TestLate::test_second"]


def test_a_redefined_test_is_collected_once_where_it_last_is():
    tests = scan("""
        def test_a():
            pass

        def test_b():
            pass

        def test_a():
            pass
        """)
    assert list(tests) == ["test_a", "test_b"]
    assert tests["test_a"].line == 7


def test_odd_bases_and_cycles_of_names_do_not_break_the_scan():
    assert ids("""
        from typing import Generic, TypeVar
        T = TypeVar("T")

        class TestGeneric(Generic[T]):
            def test_g(self):
                pass

        class TestOuter:
            class TestOuter(TestOuter):  # the module's TestOuter does not exist yet
                def test_x(self):
                    pass

        class X:
            pass

        class Y(X, X.__class__):
            pass

        class TestBad(X, Y):  # no consistent order: Python refuses it, the scan goes on
            def test_bad(self):
                pass
        """) == ["TestGeneric::test_g", "TestOuter::TestOuter::test_x", "TestBad::test_bad"]


def test_fixtures_named_like_tests_are_not_tests():
    assert ids("""
        import pytest
        import pytest_asyncio
        from pytest import fixture

        @pytest.fixture
        def test_env():
            return 1

        @pytest.fixture(scope="module")
        def test_db():
            return 2

        @fixture
        def test_cache():
            return 3

        @pytest_asyncio.fixture
        async def test_loop():
            return 4

        @pytest.mark.slow
        def test_real(test_env):
            pass
        """) == ["test_real"]


def test_test_false_set_after_a_definition_hides_it():
    assert ids("""
        def test_helper():
            pass
        test_helper.__test__ = False

        class TestNot:
            def test_x(self):
                pass
        TestNot.__test__ = False

        def test_kept():
            pass
        test_kept.__test__ = True
        """) == ["test_kept"]
