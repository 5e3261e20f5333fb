// Stacked tables on small screens: each cell carries its column's name (data-label), which the
// stylesheet shows above the cell once a table becomes cards. The ARIA roles keep the table's
// meaning for screen readers when CSS lays it out as blocks.
(function () {
  "use strict";
  document.querySelectorAll("table").forEach(function (table) {
    var headerRow = table.querySelector("thead tr");
    var names = [];
    if (headerRow) {
      Array.prototype.forEach.call(headerRow.children, function (cell) {
        var span = parseInt(cell.getAttribute("colspan") || "1", 10);
        for (var i = 0; i < span; i += 1) {
          names.push(cell.textContent.trim());
        }
        cell.setAttribute("role", "columnheader");
      });
    }
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) {
      group.setAttribute("role", "rowgroup");
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var name = names[column];
        if (cell.tagName === "TH") {
          cell.setAttribute("role", "rowheader");
        } else {
          cell.setAttribute("role", "cell");
          if (name && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", name);
          }
        }
        column += parseInt(cell.getAttribute("colspan") || "1", 10);
      });
    });
    if (headerRow) {
      headerRow.setAttribute("role", "row");
    }
  });
})();
