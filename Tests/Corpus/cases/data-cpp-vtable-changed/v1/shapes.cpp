// A fix that overrides one more virtual method changes a vtable slot: the running objects keep
// the old vtable, so create refuses naming the vtable and the slot.
// Shapes with virtual methods, so every class has a vtable and typeinfo.
struct Shape {
    virtual ~Shape() {}
    virtual int area() const = 0;
    virtual int sides() const;
};

struct Square : Shape {
    int side;
    explicit Square(int s) : side(s) {}
    __attribute__((noipa)) int area() const override;
    int sides() const override;
};

struct Circle : Shape {
    int radius;
    explicit Circle(int r) : radius(r) {}
    __attribute__((noipa)) int area() const override;
};


int Shape::sides() const { return 0; }

int Square::area() const { return side * side; }
int Square::sides() const { return 4; }

int Circle::area() const { return 3 * radius * radius; }

__attribute__((noipa)) Shape *make_shape(int kind, int size) {
    if (kind == 0) return new Square(size);
    return new Circle(size);
}

__attribute__((noipa)) int measure(int kind, int size) {
    Shape *shape = make_shape(kind, size);
    int area = shape->area();
    if (dynamic_cast<Square *>(shape) == nullptr) area += 1000;
    delete shape;
    return area;
}
