import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """schemathesis names each operation's test ``test_x[GET /path]``, but pytest 9 builds node
    ids from the function name and the parametrize ids only, so all of them were ``test_x``:
    put the operation into the id, so reports, ``-k`` and pytest-xdist tell them apart."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item._id.params is None:
            item._id = item._id.with_params(label)
