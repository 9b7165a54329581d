"""The records from Python are, byte for byte, the lines of `dicom-sanitize scan --json`."""

import subprocess

import dicom_sanitize
from conftest import EXAMPLES, PYDICOM_FILES, dicom_files


def cli_lines(cli, *args):
    done = subprocess.run([cli, "scan", "--json", "--quiet", *args],
                          capture_output=True, check=False)
    assert done.returncode in (0, 1, 2), done.stderr  # 2: a path could not be read
    return done.stdout.decode().splitlines()


def test_scan_tree_is_the_cli_scan(cli):
    roots = [str(PYDICOM_FILES), str(EXAMPLES)]
    expected = cli_lines(cli, *roots)
    assert len(expected) == len(dicom_files())
    for jobs in (1, 2, None):
        got = [r.to_json() for r in dicom_sanitize.scan_tree(roots, jobs=jobs)]
        assert got == expected


def test_deep_scan_tree_and_scan_are_the_cli_scan(cli):
    expected = cli_lines(cli, "--deep", str(PYDICOM_FILES))
    assert [r.to_json() for r in dicom_sanitize.scan_tree(str(PYDICOM_FILES), deep=True)] == expected
    one_by_one = [dicom_sanitize.scan(p, deep=True).to_json()
                  for p in sorted(PYDICOM_FILES.iterdir())]
    assert one_by_one == expected


def test_policy_action_and_unreadable_paths_are_the_cli_scan(cli, tmp_path):
    policy = tmp_path / "strip.toml"
    policy.write_text('preamble = "strip"\n')
    missing = tmp_path / "missing"
    expected = cli_lines(cli, "--policy-file", str(policy), str(EXAMPLES), str(missing))
    got = [r.to_json() for r in dicom_sanitize.scan_tree(
        [EXAMPLES, missing], policy=dicom_sanitize.Policy.from_file(policy))]
    assert got == expected
    assert '"status":"error"' in got[-1]
    assert any('"action":"strip"' in line for line in got)
