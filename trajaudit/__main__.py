from trajaudit.cli import app

app(prog_name="trajaudit")
