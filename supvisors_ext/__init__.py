"""supvisors_ext: a supervisord plugin joining several supervisord instances into one cluster."""

__version__ = "0.1.0"
