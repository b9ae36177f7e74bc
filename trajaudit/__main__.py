from trajaudit.cli import run

run()
