from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangol.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from dangol.core.template_cache import install_cached_translate

        install_cached_translate()
