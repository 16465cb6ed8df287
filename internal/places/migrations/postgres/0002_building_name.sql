-- Address search looks buildings up by name across estates ("3幢").
CREATE INDEX building_by_name ON building (name);
