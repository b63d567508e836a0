"""Flask CLI commands: `flask --app app db upgrade`, `seed-demo`, `create-user`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.import_cli import import_inductions_command
from app.models import ROLES
from app.trs.cli import trs


def register_cli(app: Flask) -> None:
    db = AppGroup("db", help="The console's database.")

    @db.command("upgrade")
    @click.option("--revision", default="head", show_default=True)
    def db_upgrade(revision: str) -> None:
        """Apply Alembic migrations to DATABASE_URL."""
        from app.migrations import upgrade

        upgrade(current_app.config["DATABASE_URL"], revision)
        click.echo(f"Database at revision {revision}.")

    app.cli.add_command(db)
    app.cli.add_command(trs)
    app.cli.add_command(import_inductions_command)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Add the demo users, appropriate bodies and teachers (development only)."""
        if not current_app.config["ALLOW_DEMO_SEED"]:
            raise click.ClickException("Demo data is for development only; this is not.")
        from app.services.demo import seed_demo

        with current_app.extensions["db_sessions"]() as session:
            added = seed_demo(session, current_app.extensions["clock"].now())
        click.echo("Added " + ", ".join(f"{n} {what}" for what, n in added.items()) + ".")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.password_option(help="At least 12 characters; asked for when not given.")
    def create_user_command(email: str, role: str, password: str) -> None:
        """Add a person who can sign in."""
        from app.services.users import UserError, create_user

        with current_app.extensions["db_sessions"]() as session:
            try:
                user = create_user(
                    session, email, role, password, current_app.extensions["clock"].now()
                )
            except UserError as error:
                raise click.ClickException(str(error)) from None
            session.commit()
            click.echo(f"Created {user.email} ({role}).")
