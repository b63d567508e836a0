"""Flask CLI commands: `flask --app app db create`, `db upgrade`, `seed-demo`, `create-user`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, make_url, text

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

    @db.command("create")
    def db_create() -> None:
        """Create DATABASE_URL's PostgreSQL database if it is missing (SQLite makes its own file)."""
        url = make_url(current_app.config["DATABASE_URL"])
        if url.get_backend_name() != "postgresql":
            click.echo("Nothing to create: SQLite makes its database file on first use.")
            return
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as connection:
                found = connection.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
                )
                if found:
                    click.echo(f"Database {url.database} exists.")
                    return
                name = connection.dialect.identifier_preparer.quote(url.database)
                connection.execute(text(f"CREATE DATABASE {name}"))
                click.echo(f"Created database {url.database}.")
        finally:
            server.dispose()

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
