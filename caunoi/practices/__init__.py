"""Good practices (mô hình "Dân vận khéo")."""
