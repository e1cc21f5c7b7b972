"""The process's shared resources, built from the settings: the database engine, the expert
system and the manual search. Framework-free; the API's routes and the chat's actions (which run
inside the API) both use them, so neither imports the other for them."""
