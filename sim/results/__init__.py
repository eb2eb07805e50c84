"""Result tables, their statistics and the folders they are written to."""
